/**
 * The Kubernetes CEL `format` library (1.31+): named string formats whose `validate` returns
 * `optional.none()` for a valid string, or the list of what is wrong, in the words of
 * k8s.io/apimachinery's validation functions.
 */
import { KubeURL } from './url.js';

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL = new RegExp(`^${LABEL}$`);
const DNS1123_SUBDOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`);
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const tooLong = (max: number) => `must be no more than ${max} characters`;
const regexError = (what: string, regex: string, examples: string[]) =>
  `${what} (e.g. ${examples.map((example) => `'${example}'`).join(', or ')}, regex used for validation is '${regex}')`;

function dns1123Label(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push(tooLong(63));
  if (!DNS1123_LABEL.test(value)) errors.push(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", LABEL, ['my-name', '123-abc']));
  return errors;
}

function dns1123Subdomain(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 253) errors.push(tooLong(253));
  if (!DNS1123_SUBDOMAIN.test(value)) errors.push(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", `${LABEL}(\\.${LABEL})*`, ['example.com']));
  return errors;
}

function dns1035Label(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push(tooLong(63));
  if (!DNS1035_LABEL.test(value)) errors.push(regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character", '[a-z]([-a-z0-9]*[a-z0-9])?', ['my-name', 'abc-123']));
  return errors;
}

function qualifiedName(value: string): string[] {
  const parts = value.split('/');
  let name = value;
  const errors: string[] = [];
  if (parts.length === 2) {
    if (parts[0].length === 0) errors.push('prefix part must be non-empty');
    else errors.push(...dns1123Subdomain(parts[0]).map((error) => `prefix part ${error}`));
    name = parts[1];
  } else if (parts.length > 2) {
    return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"];
  }
  if (name.length === 0) errors.push('name part must be non-empty');
  else if (name.length > 63) errors.push(`name part ${tooLong(63)}`);
  if (name.length > 0 && !QUALIFIED_NAME.test(name)) errors.push(regexError("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]', ['MyName', 'my.name', '123-abc']));
  return errors;
}

function labelValue(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push(tooLong(63));
  if (!LABEL_VALUE.test(value)) errors.push(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?', ['MyValue', 'my_value', '12345']));
  return errors;
}

/** generateName prefixes: a trailing dash is allowed (the random suffix follows it). */
const prefix = (validate: (value: string) => string[]) => (value: string) => validate(value.endsWith('-') ? value.slice(0, -1) : value);

function validDate(value: string): boolean {
  const match = DATE.exec(value);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.getUTCFullYear() === Number(match[1]) && date.getUTCMonth() === Number(match[2]) - 1 && date.getUTCDate() === Number(match[3]);
}

export const FORMATS: Readonly<Record<string, (value: string) => string[]>> = {
  dns1123Label,
  dns1123Subdomain,
  dns1035Label,
  qualifiedName,
  dns1123LabelPrefix: prefix(dns1123Label),
  dns1123SubdomainPrefix: prefix(dns1123Subdomain),
  dns1035LabelPrefix: prefix(dns1035Label),
  labelValue,
  uri: (value) => (KubeURL.parse(value) ? [] : ['invalid URI']),
  uuid: (value) => (UUID.test(value) ? [] : ['does not match the UUID format']),
  byte: (value) => (BASE64.test(value) ? [] : ['invalid base64']),
  date: (value) => (validDate(value) ? [] : ['invalid date']),
  datetime: (value) => (DATETIME.test(value) && !Number.isNaN(Date.parse(value.replace(' ', 'T'))) ? [] : ['invalid datetime']),
};

export class NamedFormat {
  constructor(readonly name: string) {}

  validate(value: string): string[] {
    return FORMATS[this.name](value);
  }
}
