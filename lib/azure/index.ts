/**
 * Azure ML managed online endpoint for the form-field detector (CDKTF, @cdktf/provider-azurerm).
 */
export * from './arm-template';
export * from './azure-ml-detector-endpoint';
export * from './detector-azure-stack';
export * from './endpoint-base';
