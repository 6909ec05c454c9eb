import { describe, expect, it } from 'vitest';
import { ManifestError, parseManifestObjects, parseManifests } from './parse-manifests.js';

/** Manifest parsing and validation: what a user sees for good and bad files. */

const pod = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: { app: web }
spec:
  containers:
    - name: httpd
      image: baton-test/busybox:1
      command: [httpd, -f]
      ports:
        - containerPort: 80
          hostPort: 8080
      resources:
        requests: { cpu: 100m, memory: 32Mi }
        limits: { cpu: "1", memory: 64Mi }
`;

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web, tier: front }
    spec:
      containers:
        - name: httpd
          image: baton-test/busybox:1
`;

const daemonSet = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: exporter
spec:
  selector:
    matchLabels: { app: exporter }
  template:
    metadata:
      labels: { app: exporter }
    spec:
      nodeSelector: { kubernetes.io/arch: arm64 }
      containers:
        - name: exporter
          image: baton-test/busybox:latest
`;

/** The problems parseManifests reports for `text`, or [] if it accepts it. */
function problemsOf(text: string): string[] {
  try {
    parseManifests(text, 'app.yaml');
    return [];
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    expect(error.source).toBe('app.yaml');
    return error.problems;
  }
}

/** A valid Pod with `change` applied to its container, for one bad field at a time. */
function podWith(containerLines: string, extra = ''): string {
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n${extra}spec:\n  containers:\n    - name: httpd\n${containerLines}`;
}

describe('good manifests', () => {
  it('parses a Pod and fills in the Kubernetes defaults', () => {
    const [manifest] = parseManifests(pod, 'pod.yaml');
    expect(manifest?.kind).toBe('Pod');
    if (manifest?.kind !== 'Pod') return;
    expect(manifest.metadata).toEqual({ name: 'web', namespace: 'default', labels: { app: 'web' } });
    expect(manifest.spec.restartPolicy).toBe('Always');
    expect(manifest.spec.terminationGracePeriodSeconds).toBe(30);
    expect(manifest.spec.containers[0]).toMatchObject({ imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] });
  });

  it('parses a Deployment with replicas defaulting to 1', () => {
    const [manifest] = parseManifests(deployment.replace('  replicas: 3\n', ''), 'deploy.yaml');
    expect(manifest?.kind === 'Deployment' && manifest.spec.replicas).toBe(1);
  });

  it('parses a DaemonSet with a node selector; :latest pulls Always', () => {
    const [manifest] = parseManifests(daemonSet, 'ds.yaml');
    if (manifest?.kind !== 'DaemonSet') throw new Error('expected a DaemonSet');
    expect(manifest.spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/arch': 'arm64' });
    expect(manifest.spec.template.spec.containers[0]?.imagePullPolicy).toBe('Always');
  });

  it('parses several YAML documents, skipping empty ones', () => {
    const text = `# the app\n---\n${pod}---\n${deployment}---\n${daemonSet}---\n`;
    expect(parseManifests(text, 'app.yaml').map((m) => `${m.kind}/${m.metadata.name}`)).toEqual(['Pod/web', 'Deployment/web', 'DaemonSet/exporter']);
  });

  it('parses JSON, and a Kubernetes List', () => {
    const json = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'j' }, spec: { containers: [{ name: 'm', image: 'busybox:1' }] } });
    expect(parseManifests(json, 'pod.json').map((m) => m.metadata.name)).toEqual(['j']);
    const list = JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [JSON.parse(json) as unknown, { ...(JSON.parse(json) as object), metadata: { name: 'k' } }],
    });
    expect(parseManifests(list, 'list.json').map((m) => m.metadata.name)).toEqual(['j', 'k']);
  });

  it('keeps each object as written beside its validated form', () => {
    const [entry] = parseManifestObjects(deployment, 'deploy.yaml');
    expect(entry?.object).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web', tier: 'front' } }, spec: { containers: [{ name: 'httpd', image: 'baton-test/busybox:1' }] } },
      },
    });
    expect(entry?.manifest.metadata.namespace).toBe('default');
  });
});

describe('bad manifests: every problem, with its path and an exact message', () => {
  it.each<[string, string, string[]]>([
    ['missing image', podWith('      command: [sh]\n'), ['document 1 (Pod "web"): spec.containers[0].image: required']],
    [
      'an unknown field',
      podWith('      image: busybox:1\n      colour: blue\n'),
      ['document 1 (Pod "web"): spec.containers[0].colour: unknown field (not supported by Baton)'],
    ],
    [
      'an unknown top-level field',
      `${pod}status: {}\n`,
      ['document 1 (Pod "web"): status: unknown field (not supported by Baton)'],
    ],
    [
      'a wrong type',
      podWith('      image: busybox:1\n      ports:\n        - containerPort: "80"\n'),
      ['document 1 (Pod "web"): spec.containers[0].ports[0].containerPort: must be a number, not "80"'],
    ],
    [
      'replicas of the wrong type',
      deployment.replace('replicas: 3', 'replicas: three'),
      ['document 1 (Deployment "web"): spec.replicas: must be a number, not "three"'],
    ],
    [
      'negative replicas',
      deployment.replace('replicas: 3', 'replicas: -1'),
      ['document 1 (Deployment "web"): spec.replicas: must be 0 or more'],
    ],
    [
      'containers not a list, and an unknown restartPolicy',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers: {name: m}\n  restartPolicy: Sometimes\n',
      [
        'document 1 (Pod "web"): spec.containers: must be an array, not {"name":"m"}',
        'document 1 (Pod "web"): spec.restartPolicy: unsupported value "Sometimes": must be one of "Always", "OnFailure", "Never"',
      ],
    ],
    [
      'bad object and container names',
      podWith('      image: busybox:1\n').replace('name: web', 'name: Web_1').replace('name: httpd', 'name: HTTPD'),
      [
        'document 1 (Pod "Web_1"): metadata.name: must consist of lowercase letters, digits, \'-\' and \'.\', and start and end with a letter or digit',
        'document 1 (Pod "Web_1"): spec.containers[0].name: must consist of lowercase letters, digits and \'-\', and start and end with a letter or digit',
      ],
    ],
    [
      'bad quantities',
      podWith('      image: busybox:1\n      resources:\n        limits: { cpu: lots, memory: 12 Mi }\n'),
      [
        'document 1 (Pod "web"): spec.containers[0].resources.limits.cpu: must be a CPU quantity such as 500m or 2',
        'document 1 (Pod "web"): spec.containers[0].resources.limits.memory: must be a memory quantity such as 128Mi or 1G',
      ],
    ],
    [
      'requests above limits',
      podWith('      image: busybox:1\n      resources:\n        requests: { cpu: "2", memory: 1Gi }\n        limits: { cpu: 500m, memory: 512Mi }\n'),
      [
        'document 1 (Pod "web"): spec.containers[0].resources.requests.cpu: must be less than or equal to cpu limit',
        'document 1 (Pod "web"): spec.containers[0].resources.requests.memory: must be less than or equal to memory limit',
      ],
    ],
    [
      'a selector that does not match the template labels',
      deployment.replace('labels: { app: web, tier: front }', 'labels: { app: api }'),
      ['document 1 (Deployment "web"): spec.template.metadata.labels: `selector` does not match template `labels`'],
    ],
    [
      'more replicas than any fleet runs',
      deployment.replace('replicas: 3', 'replicas: 1000000'),
      ['document 1 (Deployment "web"): spec.replicas: must be at most 10000'],
    ],
    [
      'a Deployment whose pods would not restart',
      deployment.replace('containers:', 'restartPolicy: Never\n      containers:'),
      ['document 1 (Deployment "web"): spec.template.spec.restartPolicy: unsupported value "Never": must be "Always"'],
    ],
    [
      'an unsupported kind',
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n',
      ['document 1 (Service "web"): kind: unsupported kind "Service": Baton supports Pod (v1), Deployment (apps/v1) and DaemonSet (apps/v1)'],
    ],
    [
      'an unsupported apiVersion',
      deployment.replace('apps/v1', 'extensions/v1beta1'),
      ['document 1 (Deployment "web"): apiVersion: Deployment must be "apps/v1", not "extensions/v1beta1"'],
    ],
    ['no kind', 'apiVersion: v1\nmetadata:\n  name: web\n', ['document 1: kind: required']],
    [
      'a namespace other than default',
      pod.replace('  name: web\n', '  name: web\n  namespace: prod\n'),
      ['document 1 (Pod "web"): metadata.namespace: unsupported value "prod": must be "default"'],
    ],
    [
      'duplicate container names',
      podWith('      image: busybox:1\n    - name: httpd\n      image: busybox:2\n'),
      ['document 1 (Pod "web"): spec.containers[1].name: duplicate container name "httpd"'],
    ],
    [
      'the same object twice',
      `${pod}---\n${pod}`,
      ['document 2 (Pod "web"): Pod/web appears more than once'],
    ],
    ['a scalar document', 'hello\n', ['document 1: must be an object with apiVersion, kind, metadata and spec']],
    ['a List whose items are not a list', '{"apiVersion":"v1","kind":"List","items":{}}', ['document 1: List.items must be an array']],
    ['an empty file', '', ['no objects found']],
    ['only comments and separators', '# nothing here\n---\n---\n', ['no objects found']],
  ])('%s', (_what, text, expected) => {
    expect(problemsOf(text)).toEqual(expected);
  });

  it('says an image of only spaces is missing', () => {
    expect(problemsOf(podWith('      image: "  "\n'))[0]).toBe('document 1 (Pod "web"): spec.containers[0].image: required');
  });

  it('reports every problem of every document, not just the first', () => {
    const text = `${podWith('      command: [sh]\n')}---\n${deployment.replace('replicas: 3', 'replicas: -1')}`;
    expect(problemsOf(text)).toEqual([
      'document 1 (Pod "web"): spec.containers[0].image: required',
      'document 2 (Deployment "web"): spec.replicas: must be 0 or more',
    ]);
  });

  it.each<[string, string, RegExp]>([
    ['an unclosed flow map', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels: {a: b\nspec:\n  x: 1\n', /^line 6, column 1: Flow map in block collection must be sufficiently indented/],
    ['bad indentation', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n   bad: indent\nspec: {}\n', /^line 4, column 9: Nested mappings are not allowed in compact mappings/],
    ['a duplicate key', 'apiVersion: v1\nkind: Pod\nkind: Pod\n', /^line 3, column 1: Map keys must be unique/],
  ])('reports YAML syntax errors with their line: %s', (_what, text, first) => {
    const problems = problemsOf(text);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(first);
    for (const problem of problems) expect(problem).toMatch(/^line \d+, column \d+: /);
  });

  it('refuses a file larger than 1 MiB', () => {
    expect(problemsOf(`# ${'x'.repeat(1024 * 1024)}\n`)).toEqual(['manifest of 1048579 bytes exceeds 1048576']);
  });

  it('names the source in the error message', () => {
    expect(() => parseManifests('', 'stdin')).toThrow(/^stdin: 1 problem\(s\):\n {2}no objects found$/);
  });
});

/** Hostile files: each is refused quickly with one clear problem, never a crash or a hang. */
describe('manifest limits', () => {
  const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    .concat('bcdefghi'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`))
    .join('\n');

  it.each<[string, string, RegExp]>([
    ['a billion laughs', laughs, /^document 1: Excessive alias count indicates a resource exhaustion attack$/],
    ['100,000 nested flow sequences', '['.repeat(100_000) + ']'.repeat(100_000), /^nesting deeper than 64 \(line 1, column 64\)$/],
    ['100,000 nested flow maps', '{a: '.repeat(100_000) + '1' + '}'.repeat(100_000), /^nesting deeper than 64 \(line 1, column 253\)$/],
    ['100,000 nested block sequences', '- '.repeat(100_000) + 'x', /^nesting deeper than 64 \(line 1, column 127\)$/],
    ['deeply indented maps', Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n'), /^nesting deeper than 64 \(line 65, column 65\)$/],
    ['too many documents', 'a: 1\n---\n'.repeat(1001), /^more than 1000 documents \(line 2001, column 1\)$/],
    ['too many aliases', `a: &a x\nb: [${Array(101).fill('*a').join(', ')}]`, /^more than 100 aliases \(line 2, column 405\)$/],
  ])('refuses %s at once', (_what, text, problem) => {
    const started = performance.now();
    const problems = problemsOf(text);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });

  it('refuses nesting past 64 that the text scan cannot see (a sequence at its key\'s indentation), with its path', () => {
    const text = ['apiVersion: v1', 'kind: Pod', 'metadata: {name: web}', 'spec:', ...Array.from({ length: 40 }, (_, i) => `${'  '.repeat(i)}- x${i}:`)].join('\n');
    expect(problemsOf(text)).toEqual(['document 1: nesting deeper than 64 at $.spec[0].x0[0].x1[0].x2[0]...']);
  });

  it('cuts a YAML error that quotes a huge token, and keeps at most 20 of them', () => {
    const problems = problemsOf(`a: 1\n} ${'x'.repeat(40_000)}`);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.length).toBeLessThanOrEqual(20);
    for (const problem of problems) expect(problem.length).toBeLessThanOrEqual(1000);
    expect(problems.some((p) => p.endsWith('...'))).toBe(true);
  });

  it('refuses numbers that are not finite and a __proto__ key', () => {
    expect(problemsOf(`${pod.replace('hostPort: 8080', 'hostPort: .inf')}`)).toEqual(['document 1: not a finite number at $.spec.containers[0].ports[0].hostPort']);
    expect(problemsOf(`${pod.replace('labels: { app: web }', 'labels: { __proto__: { polluted: yes } }')}`)).toEqual(['document 1: key "__proto__" not allowed at $.metadata.labels.__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('lists at most 20 problems of one object and counts the rest', () => {
    const env = Array.from({ length: 30 }, (_, i) => `        - {name: "bad name ${i}", value: x}`).join('\n');
    const problems = problemsOf(pod.replace('      ports:', `      env:\n${env}\n      ports:`));
    expect(problems).toHaveLength(21);
    expect(problems[20]).toBe('document 1 (Pod "web"): ... and 10 more problem(s)');
  });

  it('never echoes an env value in a problem', () => {
    const problems = problemsOf(pod.replace('      ports:', '      env:\n        - {name: TOKEN, value: 31337}\n        - {name: A, value: [s3cret-in-a-list]}\n      ports:'));
    expect(problems).toEqual([
      'document 1 (Pod "web"): spec.containers[0].env[0].value: must be a string, not a number',
      'document 1 (Pod "web"): spec.containers[0].env[1].value: must be a string, not an array',
    ]);
    const objectProblems = problemsOf(pod.replace('      ports:', '      env: {name: TOKEN, value: s3cret}\n      ports:'));
    expect(objectProblems.join('\n')).not.toContain('s3cret');
    expect(objectProblems).toEqual(['document 1 (Pod "web"): spec.containers[0].env: must be an array, not {"name":"TOKEN","value":"(hidden)"}']);
  });
});
