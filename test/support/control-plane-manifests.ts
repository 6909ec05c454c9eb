import { TEST_IMAGE } from './docker.js';

/** Manifests of the control-plane end-to-end tests, as a user writes them (YAML text). */

export interface ServeOptions {
  replicas: number;
  /** The container's environment: change it to make a new revision. */
  env?: Record<string, string>;
  image?: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** `spec.strategy` as YAML flow text, e.g. `{ type: RollingUpdate, rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }`. */
  strategy?: string;
  /** The readiness probe's initialDelaySeconds: a new pod is not Ready before then. */
  readyAfterSeconds?: number;
}

/**
 * A Deployment of busybox httpd pods, Ready once their port answers (a tcpSocket probe
 * every second), so Ready means the pod serves. No grace period: httpd as PID 1 ignores
 * SIGTERM, so any grace would be sat out in full at every removal.
 */
export function serveDeployment(name: string, options: ServeOptions): string {
  const env = Object.entries(options.env ?? {}).map(([k, v]) => `            - { name: ${k}, value: "${v}" }`);
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    `  replicas: ${options.replicas}`,
    ...(options.strategy ? [`  strategy: ${options.strategy}`] : []),
    '  selector:',
    `    matchLabels: { app: ${name} }`,
    '  template:',
    '    metadata:',
    `      labels: { app: ${name} }`,
    '    spec:',
    '      terminationGracePeriodSeconds: 0',
    '      containers:',
    '        - name: httpd',
    `          image: ${options.image ?? TEST_IMAGE}`,
    `          imagePullPolicy: ${options.imagePullPolicy ?? 'IfNotPresent'}`,
    '          command: ["httpd", "-f", "-p", "8080", "-h", "/"]',
    '          ports: [{ name: http, containerPort: 8080 }]',
    ...(env.length > 0 ? ['          env:', ...env] : []),
    '          readinessProbe:',
    '            tcpSocket: { port: http }',
    '            periodSeconds: 1',
    ...(options.readyAfterSeconds !== undefined ? [`            initialDelaySeconds: ${options.readyAfterSeconds}`] : []),
    '          resources:',
    '            requests: { cpu: 10m, memory: 8Mi }',
    '',
  ].join('\n');
}

/** A DaemonSet of one sleeping container per node (`sleep` ignores SIGTERM: no grace period). */
export function sleepDaemonSet(name: string): string {
  return [
    'apiVersion: apps/v1',
    'kind: DaemonSet',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  selector:',
    `    matchLabels: { app: ${name} }`,
    '  template:',
    '    metadata:',
    `      labels: { app: ${name} }`,
    '    spec:',
    '      terminationGracePeriodSeconds: 0',
    '      containers:',
    `        - { name: main, image: ${TEST_IMAGE}, command: ["sleep", "3600"] }`,
    '',
  ].join('\n');
}
