import { describe, expect, it } from 'vitest';
import { planEvent } from './planners.js';
import { recordOnly } from './plan.js';
import { storedPlanOf } from './stored-plan.js';

const options = { botMention: '@hookfleet' };
const event = {
  provider: 'github',
  eventType: 'pull_request',
  action: 'opened',
  payload: {
    action: 'opened',
    repository: { full_name: 'octo/repo', default_branch: 'main' },
    pull_request: { number: 7, title: 'x', head: { ref: 'b', sha: 'abc' }, base: { ref: 'main' }, merged: false },
  },
};

describe('storedPlanOf', () => {
  it('reads back a plan as the ingress stores it (JSON)', () => {
    const planned = planEvent(event, options);
    expect(planned.tasks.length).toBeGreaterThan(0);
    expect(storedPlanOf({ ...event, plan: JSON.parse(JSON.stringify(planned)) }, options)).toEqual(planned);
  });

  it('follows the stored plan over what the payload would give', () => {
    expect(storedPlanOf({ ...event, plan: recordOnly('recovery') }, options)).toEqual(recordOnly('recovery'));
  });

  it('plans from the payload when no plan, or none it can read, is stored', () => {
    const planned = planEvent(event, options);
    expect(storedPlanOf({ ...event, plan: null }, options)).toEqual(planned);
    expect(storedPlanOf({ ...event, plan: { queue: 'nowhere' } }, options)).toEqual(planned);
  });
});
