/** The demo's pins: local images under public/pins/, pages on reserved example domains. */
export const pins = [
  {
    "slug": "lemon-tart",
    "title": "Lemon tart with a crisp butter crust",
    "description": "A bright, sharp lemon curd in a shortcrust shell. Ready in an hour.",
    "url": "https://www.example.com/recipes/lemon-tart",
    "width": 600,
    "height": 820
  },
  {
    "slug": "reading-nook",
    "title": "A reading nook under the stairs",
    "description": "Cushions, a wall lamp and a narrow shelf turn dead space into the best seat in the house.",
    "url": "https://home.example.org/ideas/reading-nook",
    "width": 600,
    "height": 900
  },
  {
    "slug": "fern-wall",
    "title": "Fern wall for a shady balcony",
    "description": "Five ferns that thrive without direct sun.",
    "url": "https://greenleaf.example.net/ferns",
    "width": 600,
    "height": 700
  },
  {
    "slug": "lisbon",
    "title": "Three days in Lisbon",
    "description": "Trams, tiles and custard tarts: a slow itinerary.",
    "url": "https://travel.example.com/lisbon-3-days",
    "width": 600,
    "height": 1000
  },
  {
    "slug": "linen",
    "title": "Washed linen bedding in clay",
    "description": "Soft, breathable and better with every wash.",
    "url": "https://loom.example.org/linen/clay",
    "width": 600,
    "height": 760
  },
  {
    "slug": "ramen",
    "title": "Ten-minute miso ramen",
    "description": "A weeknight bowl with what is already in the fridge.",
    "url": "https://www.example.com/recipes/miso-ramen",
    "width": 600,
    "height": 640
  },
  {
    "slug": "watercolor",
    "title": "Loose watercolour florals",
    "description": "Wet-on-wet techniques for beginners.",
    "url": "https://art.example.net/watercolour-florals",
    "width": 600,
    "height": 880
  },
  {
    "slug": "cabin",
    "title": "A-frame cabin in the pines",
    "description": "Built by two people over one summer.",
    "url": "https://home.example.org/a-frame-cabin",
    "width": 600,
    "height": 780
  },
  {
    "slug": "sneakers",
    "title": "Cleaning white sneakers",
    "description": "Baking soda, an old toothbrush and patience.",
    "url": "https://style.example.com/white-sneakers",
    "width": 600,
    "height": 600
  },
  {
    "slug": "pottery",
    "title": "Wheel-thrown mugs, speckled glaze",
    "description": "How a speckled stoneware glaze is layered.",
    "url": "https://loom.example.org/pottery/speckle",
    "width": 600,
    "height": 840
  },
  {
    "slug": "herbs",
    "title": "Windowsill herb garden",
    "description": "Basil, chives and mint in recycled tins.",
    "url": "https://greenleaf.example.net/windowsill-herbs",
    "width": 600,
    "height": 720
  },
  {
    "slug": "night-sky",
    "title": "Photographing the Milky Way",
    "description": "Settings and timing for a first try.",
    "url": "https://photo.example.com/milky-way",
    "width": 600,
    "height": 920
  }
];
