import 'pin-messaging/define';
import { connect } from 'pin-messaging';
import { mount } from 'svelte';
import App from './App.svelte';
import { session } from './session';

connect(session());
mount(App, { target: document.getElementById('app')! });
