import { Stack, Validations } from 'aws-cdk-lib/core';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag's AwsSolutions-IAM5 finding id for a wildcard resource ARN: the resolved CloudFormation value flattened
 * the way cdk-nag 3 flattens it (`Fn::Join` joined, `Ref` → `<Name>`, `Fn::GetAtt` → `<Id.Attr>`), so an
 * acknowledgement names exactly the resource this library granted and no other. No cdk-nag import: the library
 * does not depend on it.
 */
export function iamWildcardFindingId(scope: IConstruct, resourceArn: string): string {
  return `AwsSolutions::AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(resourceArn))}]`;
}

/** Records an acknowledgement of one finding on `scope` (and its children), with the reason it is acceptable. */
export function acknowledgeFinding(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\${/g, '<').replace(/}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const o = node as Record<string, unknown>;
    if (o['Fn::Join']) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (o['Fn::Sub']) return flatten(o['Fn::Sub']);
    if (o['Fn::GetAtt']) {
      const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if (o['Fn::ImportValue']) return flatten(o['Fn::ImportValue']);
    if (o.Ref) return `<${flatten(o.Ref)}>`;
  }
  return JSON.stringify(node);
}
