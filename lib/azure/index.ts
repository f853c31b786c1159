/**
 * The form-field detector on Azure (CDKTF, @cdktf/provider-azurerm): an Azure ML managed online endpoint
 * (always-on) or a Container Apps serverless GPU service (on-demand, scales to zero).
 */
export * from './arm-template';
export * from './azure-ml-detector-endpoint';
export * from './common-resources';
export * from './container-apps-environment-template';
export * from './container-apps-gpu-detector-service';
export * from './container-apps-service-base';
export * from './detector-azure-stack';
export * from './endpoint-base';
export * from './model-weights';
export * from './serving-props';
export * from './probes';
export * from './azure-ml-detector-endpoint-props';
export * from './container-apps-gpu-detector-service-props';
export * from './azure-ml-autoscale';
