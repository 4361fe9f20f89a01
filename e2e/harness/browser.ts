// What the e2e tests read of a page's document in functions that run in the browser (page.evaluate,
// page.waitForFunction). e2e/ is type-checked without the DOM library, whose fetch and Response would replace Node's.

/** The part of the page's `document` the dashboard tests read: `declare const document: BrowserDocument;`. */
export interface BrowserDocument {
  body: { dataset: Record<string, string | undefined> };
  documentElement: { scrollWidth: number; clientWidth: number };
  querySelector(selector: string): { getAttribute(name: string): string | null } | null;
}
