import { ManifestError, parseManifests } from '../parse-manifests.js';

/** A Pod manifest named `web` whose spec is the given YAML lines. */
export function podYaml(specLines: string): string {
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n${specLines}`;
}

/** The problems `parseManifests` reports for the text, one per line; none when it parses. */
export function problemsOf(text: string): string[] {
  try {
    parseManifests(text, 'pod.yaml');
    return [];
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    return error.problems;
  }
}
