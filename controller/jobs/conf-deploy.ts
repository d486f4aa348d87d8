import { confDeployHost, DeployFields } from './conf-deploy-host';
import { defineFanOutJob } from './define-fan-out-job';

/** Deploys one sshd configuration to many hosts: a conf-deploy-host child per host. */
export const confDeploy = defineFanOutJob({
  type: 'conf-deploy',
  describe: 'Deploy an sshd configuration to hosts (one conf-deploy-host job each)',
  childType: 'conf-deploy-host',
  fields: DeployFields,
  rootFields: confDeployHost.rootFields,
});
