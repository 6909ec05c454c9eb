// Text files built into the coordinator by esbuild's `text` loader (scripts/build.mjs):
// the single-binary coordinator has no checkout beside it to read them from.
declare module '*.sh' {
  const text: string;
  export default text;
}

declare module '*.service' {
  const text: string;
  export default text;
}
