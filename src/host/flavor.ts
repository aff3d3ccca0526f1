// Which Medplum server the embedded host answers as. The current line (the @medplum packages' version) has
// `POST /admin/projects/:id/settings`; 5.0.10 (recorded in test/fixtures/medplum-5.0.10) has not: a project admin
// sets Project.setting with `PUT Project/<id>` there. Deploy chooses its way from /healthcheck's version.
import { MEDPLUM_VERSION } from '@medplum/core';

export interface MedplumFlavor {
  /** What /healthcheck answers, e.g. `5.0.10-6a4145c`. */
  version: string;
  /** `POST /admin/projects/:id/settings` exists (and `GET /admin/projects/:id` shows `setting`). */
  adminSettingsEndpoint: boolean;
  /** If-Match is honoured on a conditional update (fhir-router 5.2); 5.0.10 ignores it there. */
  ifMatchOnConditionalUpdate: boolean;
}

export const CURRENT_MEDPLUM: MedplumFlavor = {
  version: MEDPLUM_VERSION,
  adminSettingsEndpoint: true,
  ifMatchOnConditionalUpdate: true,
};
export const MEDPLUM_5_0_10: MedplumFlavor = {
  version: '5.0.10-6a4145c',
  adminSettingsEndpoint: false,
  ifMatchOnConditionalUpdate: false,
};

/** `--medplum-version 5.0.10` (or `current`). */
export function flavorOf(name: string | undefined): MedplumFlavor | undefined {
  if (name === undefined || name === 'current') {
    return CURRENT_MEDPLUM;
  }
  return name === '5.0.10' ? MEDPLUM_5_0_10 : undefined;
}
