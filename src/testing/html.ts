// Test helper: an HTML document that needs nothing from outside itself.
import assert from 'node:assert/strict';

/** No network and no external asset: no URL in src/href/url(), no stylesheet link, no @import. */
export function assertSelfContained(html: string): void {
  assert.doesNotMatch(html, /\b(src|href|action|poster|srcset|data)\s*=\s*["']?\s*(https?:|\/\/)/i);
  assert.doesNotMatch(html, /<link\b[^>]*rel=["']?stylesheet/i);
  assert.doesNotMatch(html, /<(script|img|iframe|object|embed|audio|video|source)\b[^>]*\bsrc\s*=/i);
  assert.doesNotMatch(html, /url\(\s*["']?(https?:|\/\/)/i);
  assert.doesNotMatch(html, /@import/i);
  assert.doesNotMatch(html, /https?:\/\//i);
}
