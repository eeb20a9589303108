// If a screen fails to draw, the person sees what happened to their words and what to do, not
// a blank page: everything saved is in this device's storage, and opening the app again draws
// it afresh and sends what is waiting.
import { Component, type ComponentChildren } from 'preact';

export class Fallback extends Component<{ children: ComponentChildren }, { failed: string | null }> {
  state = { failed: null as string | null };

  static getDerivedStateFromError(error: unknown) {
    return { failed: error instanceof Error ? error.message : String(error) };
  }

  componentDidCatch(error: unknown) {
    console.error('a screen failed to draw', error);
  }

  render() {
    if (this.state.failed === null) return this.props.children;
    return (
      <main id="main" class="stack">
        <h1>This screen didn't open properly</h1>
        <p>Your words are still saved on this phone. Open it again to carry on; anything not sent yet is sent then.</p>
        <button type="button" onClick={() => window.location.reload()}>Open it again</button>
        <details>
          <summary>Details for your worker or the service</summary>
          <p data-testid="failure">{this.state.failed}</p>
        </details>
      </main>
    );
  }
}
