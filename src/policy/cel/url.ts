/**
 * URLs for the CEL `url` library: Go's url.ParseRequestURI, which takes an absolute URL
 * (`https://host:port/path?query`) or an absolute path (`/path?query`); no fragment.
 */
const ABSOLUTE = /^([a-zA-Z][a-zA-Z0-9+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?$/;
const PATH = /^(\/[^?#]*)(?:\?([^#]*))?$/;

export class KubeURL {
  constructor(
    readonly scheme: string,
    readonly host: string,
    readonly path: string,
    readonly query: string,
    readonly text: string,
  ) {}

  static parse(text: string): KubeURL | undefined {
    if (/[\s\x00-\x1f\x7f]/.test(text)) return undefined;
    const path = PATH.exec(text);
    if (path) return new KubeURL('', '', path[1], path[2] ?? '', text);
    const absolute = ABSOLUTE.exec(text);
    if (!absolute) return undefined;
    const [, scheme, host = '', rest, query = ''] = absolute;
    if (host.includes('@') && !/^[^@]*@/.test(host)) return undefined;
    if (/^\[/.test(hostPart(host)) && !/^\[[0-9a-fA-F:.]+(%[^\]]+)?\](:\d*)?$/.test(hostPart(host))) return undefined;
    return new KubeURL(scheme, hostPart(host), rest, query, text);
  }

  /** The host with its port; an IPv6 address keeps its brackets. */
  getHost(): string {
    return this.host;
  }

  /** The host without port or brackets. */
  getHostname(): string {
    const host = this.host;
    if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
    const colon = host.lastIndexOf(':');
    return colon >= 0 ? host.slice(0, colon) : host;
  }

  getPort(): string {
    const host = this.host;
    const close = host.lastIndexOf(']');
    const colon = host.lastIndexOf(':');
    return colon > close ? host.slice(colon + 1) : '';
  }

  getEscapedPath(): string {
    return this.path.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/g, (character) => encodeURIComponent(character));
  }

  /** The query as a map from key to its values, as Go's url.Values. */
  getQuery(): Map<string, string[]> {
    const query = new Map<string, string[]>();
    if (!this.query) return query;
    for (const pair of this.query.split('&')) {
      if (!pair) continue;
      const equals = pair.indexOf('=');
      const key = decode(equals < 0 ? pair : pair.slice(0, equals));
      const value = decode(equals < 0 ? '' : pair.slice(equals + 1));
      if (key === undefined || value === undefined) continue;
      const values = query.get(key) ?? [];
      values.push(value);
      query.set(key, values);
    }
    return query;
  }

  toString(): string {
    return this.text;
  }
}

function hostPart(authority: string): string {
  const at = authority.lastIndexOf('@');
  return at >= 0 ? authority.slice(at + 1) : authority;
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
