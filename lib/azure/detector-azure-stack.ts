import { LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { Construct } from 'constructs';
import { AzureMlDetectorEndpoint, type AzureMlDetectorEndpointProps } from './azure-ml-detector-endpoint';

/** The environment variable the stack reads the region from when `location` is not passed. */
export const AZURE_LOCATION_ENV = 'AZURE_LOCATION';

export interface DetectorAzureStackProps {
  /**
   * Subscription to deploy into.
   * @default the provider's own lookup at plan time: ARM_SUBSCRIPTION_ID, else the `az login` default
   */
  readonly subscriptionId?: string;
  /**
   * Azure region, e.g. 'eastus' (check NC T4 v3 quota there).
   * @default the AZURE_LOCATION environment variable; synth fails when neither is set
   */
  readonly location?: string;
  /**
   * Keep the state in `terraform.<stack id>.tfstate` at the project root, named by a relative path. cdktf's
   * default local backend writes the absolute path of the current directory into cdk.tf.json, which makes the
   * synthesized output machine-dependent. Set false to configure another backend on the stack yourself.
   * @default true
   */
  readonly localBackend?: boolean;
  /**
   * Everything else the endpoint takes (model, instance type, scaling, auth mode, existing resources, …).
   * @default the construct's defaults
   */
  readonly endpoint?: Omit<AzureMlDetectorEndpointProps, 'location'>;
}

/**
 * One `cdktf deploy` for the detector on Azure ML: the azurerm provider and an AzureMlDetectorEndpoint, with the
 * scoring URI, the registry and the commands to push the image and fetch a key as outputs.
 */
export class DetectorAzureStack extends TerraformStack {
  readonly endpoint: AzureMlDetectorEndpoint;
  readonly provider: AzurermProvider;

  constructor(scope: Construct, id: string, props: DetectorAzureStackProps = {}) {
    super(scope, id);
    const location = props.location ?? process.env[AZURE_LOCATION_ENV];
    if (location === undefined || location === '') {
      throw new Error(
        `Invalid DetectorAzureStack '${id}':\n  - location: got undefined; pass location (e.g. 'eastus') or set ` +
          `${AZURE_LOCATION_ENV} to a region with Standard_NC4as_T4_v3 quota`,
      );
    }
    if (props.localBackend !== false) {
      // Terraform runs in <output dir>/stacks/<id>/ (cdktf.json: "output": "cdktf.out"); three levels up is the
      // project root, where cdktf's own default would have put the state.
      new LocalBackend(this, { path: `../../../terraform.${id}.tfstate` });
    }
    this.provider = new AzurermProvider(this, 'azurerm', {
      features: [{}],
      ...(props.subscriptionId ? { subscriptionId: props.subscriptionId } : {}),
    });
    this.endpoint = new AzureMlDetectorEndpoint(this, 'Detector', { ...props.endpoint, location });

    new TerraformOutput(this, 'scoring_uri', {
      value: this.endpoint.scoringUri,
      description: 'POST {"image_base64": "…"} here with the key (or an Entra token) as a Bearer token',
    });
    new TerraformOutput(this, 'registry_login_server', {
      value: this.endpoint.registryLoginServer,
      description: 'Registry the deployment pulls the image from',
    });
    new TerraformOutput(this, 'image', { value: this.endpoint.image, description: 'Image the deployment serves' });
    new TerraformOutput(this, 'push_image_command', {
      value: this.endpoint.pushImageCommand,
      description: 'Build inference-container/ and push it (run from the repo root, before or after deploy)',
    });
    new TerraformOutput(this, 'get_key_command', {
      value: this.endpoint.credentialsCommand,
      description: 'Print the credential for scoring requests',
    });
  }
}
