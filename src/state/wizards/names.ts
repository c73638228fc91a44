// docker's rule for key and signer names (cli/command/trust/key_generate.go), as a message or undefined.
const NAME = /^[a-z0-9][a-z0-9_-]*$/;

export function keyNameProblem(name: string, what = 'Name'): string | undefined {
  if (!name) return `${what} is required`;
  if (!NAME.test(name)) {
    return `${what} must start with a lowercase letter or digit and use only a-z, 0-9, "-" and "_"`;
  }
  return undefined;
}
