// Records every Content-Security-Policy violation on the page (elements in
// shadow roots included: the event is composed) for the test to read.
window.cspViolations = [];
document.addEventListener(
  'securitypolicyviolation',
  (event) => {
    window.cspViolations.push(
      `${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} at ${event.sourceFile}:${event.lineNumber} ${event.sample}`,
    );
  },
  true,
);
