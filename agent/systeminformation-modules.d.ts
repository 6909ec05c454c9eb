// The three systeminformation modules the agent uses, imported one by one: the package's
// index loads all twenty of its modules (CPU, disks, Wi-Fi, printers, ...). Their types
// are the package's own.
declare module 'systeminformation/lib/osinfo.js' {
  export { osInfo } from 'systeminformation';
}
declare module 'systeminformation/lib/memory.js' {
  export { mem } from 'systeminformation';
}
declare module 'systeminformation/lib/network.js' {
  export { networkInterfaces } from 'systeminformation';
}
