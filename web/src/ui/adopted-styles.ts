/**
 * xterm.js writes its computed CSS (cell sizes, theme colours) into `<style>` elements it
 * makes itself, and the console's CSP (`style-src 'self'`, nothing inline) refuses those.
 * While a terminal is being opened, the `<style>` elements it creates are swapped for an
 * inert element whose text goes into a constructed stylesheet adopted by the document
 * (`document.adoptedStyleSheets`): the rules apply, and the policy still forbids every
 * inline style a page could be tricked into.
 */
const TAG = 'kw-adopted-style';

function defineAdoptedStyle(): void {
  if (customElements.get(TAG)) return;
  class AdoptedStyle extends HTMLElement {
    private readonly sheet = new CSSStyleSheet();
    constructor() {
      // No attribute may be set here (createElement would throw): styles.css hides it.
      super();
      // xterm sets `.textContent`; the rules go to the adopted sheet, not into the DOM (nor
      // into what a screen reader or an accessibility checker reads as text).
      Object.defineProperty(this, 'textContent', {
        get: () => '',
        set: (v: string | null) => this.sheet.replaceSync(v ?? ''),
      });
    }
    connectedCallback() {
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, this.sheet];
    }
    disconnectedCallback() {
      document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== this.sheet);
    }
  }
  customElements.define(TAG, AdoptedStyle);
}

/** Runs `fn` (xterm's `open`) with the `<style>` elements it creates made adopted sheets. */
export function withAdoptedStyles<T>(fn: () => T): T {
  defineAdoptedStyle();
  const original = document.createElement.bind(document);
  document.createElement = ((tag: string, options?: ElementCreationOptions) =>
    tag.toLowerCase() === 'style'
      ? original(TAG)
      : original(tag, options)) as typeof document.createElement;
  try {
    return fn();
  } finally {
    // Back to Document.prototype's own method.
    Reflect.deleteProperty(document, 'createElement');
  }
}
