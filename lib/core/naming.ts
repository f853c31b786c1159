import { createHash } from 'node:crypto';

export interface NameRules {
  readonly maxLength: number;
  /** Lowercase everything (GCP ids, Azure storage). */
  readonly lowercase?: boolean;
  /** What replaces runs of disallowed characters. @default '-' */
  readonly separator?: '-' | '_' | '';
  /** Characters allowed, as a character-class body. @default 'A-Za-z0-9' plus the separator */
  readonly allowed?: string;
  /** Prefix used when the name would not start with a letter. @default 'd' */
  readonly letterPrefix?: string;
}

/**
 * A name that fits a cloud's rules, derived from `base`: disallowed characters become the separator, and a name
 * that is too long is cut and given a short hash of the whole, so two long names stay distinct and stable.
 */
export function resourceName(base: string, rules: NameRules): string {
  const separator = rules.separator ?? '-';
  const allowed = rules.allowed ?? `A-Za-z0-9${separator === '' ? '' : `\\${separator}`}`;
  let name = rules.lowercase ? base.toLowerCase() : base;
  name = name.replace(new RegExp(`[^${allowed}]+`, 'g'), separator);
  if (separator !== '') {
    const sep = separator.replace(/[-_]/, (c) => `\\${c}`);
    name = name.replace(new RegExp(`${sep}{2,}`, 'g'), separator).replace(new RegExp(`^${sep}+|${sep}+$`, 'g'), '');
  }
  if (!/^[A-Za-z]/.test(name)) name = `${rules.letterPrefix ?? 'd'}${separator}${name}`;
  if (name.length <= rules.maxLength) return name;
  const hash = createHash('sha256').update(base).digest('hex').slice(0, 8);
  let head = name.slice(0, rules.maxLength - hash.length - separator.length);
  if (separator !== '') head = head.replace(new RegExp(`\\${separator}+$`), '');
  return `${head}${separator}${hash}`;
}
