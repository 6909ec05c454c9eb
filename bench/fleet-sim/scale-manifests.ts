/**
 * The workloads of the scale bench, as the YAML `baton apply -f -` reads: `count`
 * Deployments of `replicas` busybox sleepers each, and single Pods for timing one start.
 * Names start with a per-run prefix, so the watcher counts only this run's pods.
 */

export function scaleDeployments(options: { prefix: string; count: number; replicas: number; image: string }): string {
  return Array.from({ length: options.count }, (_, i) => deployment(`${options.prefix}${i}`, options.replicas, options.image)).join('---\n');
}

function deployment(name: string, replicas: number, image: string): string {
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    `  replicas: ${replicas}`,
    '  selector:',
    '    matchLabels:',
    `      app: ${name}`,
    '  template:',
    '    metadata:',
    '      labels:',
    `        app: ${name}`,
    '    spec:',
    '      containers:',
    '        - name: main',
    `          image: ${image}`,
    '          command: ["sleep", "86400"]',
    '',
  ].join('\n');
}

export function singlePod(options: { name: string; image: string }): string {
  return [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    `  name: ${options.name}`,
    'spec:',
    '  containers:',
    '    - name: main',
    `      image: ${options.image}`,
    '      command: ["sleep", "86400"]',
    '',
  ].join('\n');
}
