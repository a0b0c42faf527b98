// gRPC's Node client passes the host of a TLS address as the TLS server name, an IP address too
// when the address is one (a loopback or in-cluster IP without a server name override). Node
// then prints deprecation DEP0123 on stderr; the certificate is still checked against the IP,
// so the warning only breaks the one-line output of the CLI. Entry points drop that one code.
const IP_SERVERNAME = 'DEP0123';

let installed = false;

export function ignoreIpServernameWarning(): void {
  if (installed) return;
  installed = true;
  const original = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
    const opts = rest[0];
    const code = typeof opts === 'object' && opts !== null ? (opts as { code?: unknown }).code : rest[1];
    if (code === IP_SERVERNAME || (warning instanceof Error && (warning as { code?: unknown }).code === IP_SERVERNAME)) return;
    return (original as (...a: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
}
