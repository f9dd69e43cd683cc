import 'pin-messaging/define';
import { connect } from 'pin-messaging';
import { createApp } from 'vue';
import App from './App.vue';
import { session } from './session';

connect(session());
createApp(App).mount('#app');
