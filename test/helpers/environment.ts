/** How test/run.ts tells test files where the throwaway cluster and its template database are. */
export const TEST_ENV = {
  superuserUrl: 'CLUB_CONTRACTS_TEST_SUPERUSER_URL',
  role: 'CLUB_CONTRACTS_TEST_ROLE',
  password: 'CLUB_CONTRACTS_TEST_PASSWORD',
  template: 'CLUB_CONTRACTS_TEST_TEMPLATE',
} as const;

export function testEnv(name: keyof typeof TEST_ENV): string {
  const value = process.env[TEST_ENV[name]];
  if (value === undefined) throw new Error(`${TEST_ENV[name]} is not set: run the tests with \`npm test\``);
  return value;
}
