// Database URLs appear in errors and logs (`--database`, `server import --from`); their passwords
// must not. A password may sit in the userinfo (`user:pw@host`) or, as libpq and node-postgres
// accept, in the query (`?password=…`).

const PASSWORD_PARAMETERS = ['password', 'sslpassword'];

/** The URL with `***` for every password in it, safe for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.host || parsed.password) {
      if (parsed.password) parsed.password = '***';
      for (const name of PASSWORD_PARAMETERS) if (parsed.searchParams.has(name)) parsed.searchParams.set(name, '***');
      return parsed.toString();
    }
  } catch {
    // not a URL: below
  }
  // Not a URL with a host (`sqlite:PATH`, a typo such as `u:pw@h`): whatever precedes the last '@'
  // may be credentials, and a password parameter is hidden wherever it is.
  const at = url.lastIndexOf('@');
  const hidden = at < 0 ? url : `***@${url.slice(at + 1)}`;
  return hidden.replace(/([?&](?:ssl)?password=)[^&]*/gi, '$1***');
}

/** A message (a driver's error) with every URL in it redacted; the rest of the text is kept. */
export function redactUrlsIn(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"]+/gi, (url) => redactUrl(url)).replace(/([?&](?:ssl)?password=)[^&\s]*/gi, '$1***');
}
