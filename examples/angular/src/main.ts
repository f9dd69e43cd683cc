import 'pin-messaging/define';
import { bootstrapApplication } from '@angular/platform-browser';
import { connect } from 'pin-messaging';
import { AppComponent } from './app.component';
import { session } from './session';

connect(session());
bootstrapApplication(AppComponent).catch((error: unknown) => console.error(error));
