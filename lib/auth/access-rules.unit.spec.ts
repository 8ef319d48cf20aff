import { ruleFor } from './access-rules';

describe('the access rules', () => {
  it("count a provider's receipts against a webhook budget, not the commands budget", () => {
    // when / then: the receipt webhook is one client sending a few receipts per order
    expect(ruleFor('POST', '/api/commands/notifications/o-1%3AOrderPlaced%3Aemail/receipt')).toMatchObject({
      group: 'webhooks',
      access: { kind: 'roles', roles: ['operator', 'admin'] },
    });
    // the other notification commands stay commands
    expect(ruleFor('POST', '/api/commands/notifications/o-1/resend').group).toBe('commands');
    expect(ruleFor('GET', '/api/commands/notifications/o-1/receipt').group).toBe('commands');
  });

  it("put an order's commands in the commands budget", () => {
    expect(ruleFor('POST', '/api/commands/orders/create').group).toBe('commands');
  });
});
