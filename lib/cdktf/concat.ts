import { Fn, Token } from 'cdktf';

/**
 * Joins strings, as a Terraform `join` when any part is a reference: a `${…}` template nested inside a function
 * such as jsonencode() is something cdktf warns it may render wrong.
 */
export function concat(...parts: string[]): string {
  return parts.some((part) => Token.isUnresolved(part)) ? Fn.join('', parts) : parts.join('');
}
