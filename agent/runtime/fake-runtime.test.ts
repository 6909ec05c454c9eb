import { FakeRuntime } from './fake-runtime.js';
import { defineRuntimeContract } from './runtime-contract.js';

const image = 'baton-test/busybox:1';
const runtime = new FakeRuntime({ images: [image] });

defineRuntimeContract('fake', () => ({
  runtime,
  image,
  unpullableImage: '127.0.0.1:1/baton-test/absent:0',
  removeLabelled: async (key, value) => {
    for (const c of await runtime.listContainers({ key, value })) await runtime.removeContainer(c.id);
  },
}));
