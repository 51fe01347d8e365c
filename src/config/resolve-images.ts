/** Images, sorted by name; a test suite an image names must exist. */
import { didYouMean, error } from '../diag/index.js';
import type { Collector } from './collector.js';
import type { ImagePart, NamedPart } from './config-file.js';
import { byKey } from './order.js';
import type { ImageConfig, TestSuiteConfig } from './types.js';

export function resolveImages(images: ReadonlyMap<string, NamedPart<ImagePart>>, testSuites: ReadonlyMap<string, TestSuiteConfig>, diags: Collector): Map<string, ImageConfig> {
  const resolved = new Map<string, ImageConfig>();
  for (const [name, im] of [...images].sort(byKey)) {
    const v = im.value;
    for (const ts of v.testSuites ?? []) {
      if (!testSuites.has(ts.value)) {
        const dym = didYouMean(ts.value, testSuites.keys());
        diags.add(error('UNKNOWN_TEST_SUITE', `image "${name}" refers to unknown test suite "${ts.value}"`, { span: ts.span, hint: dym ? `did you mean "${dym}"?` : 'define it under [test-suites]' }));
      }
    }
    resolved.set(name, {
      name,
      ...(v.description !== undefined ? { description: v.description } : {}),
      ...(v.definition ? { definition: v.definition } : {}),
      capabilities: v.capabilities ?? {},
      testSuites: (v.testSuites ?? []).map((t) => t.value),
      publishChannels: v.publishChannels ?? [],
      definedAt: im.span,
    });
  }
  return resolved;
}
