import { TransportTarget } from '../../src/transport/base.js';
import { TransportStatus, type Transport } from '../../src/transport/types.js';

/**
 * A transport whose socket never opens: the client stays "connecting" and no
 * welcome ever arrives. Shows the elements' loading state for as long as the
 * story is open.
 */
export class StalledTransport extends TransportTarget implements Transport {
  connect(): void {
    this.setStatus(TransportStatus.Connecting);
  }

  send(): boolean {
    return false;
  }

  close(): void {
    this.setStatus(TransportStatus.Idle);
  }

  reconnect(): void {
    this.setStatus(TransportStatus.Connecting);
  }
}
