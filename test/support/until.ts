/**
 * Waits until `check` is true (checked every `everyMs`); fails after `timeoutMs`, naming `what`.
 * For state the test collects itself (events recorded, deliveries received, mails arrived):
 * waiting on the collection, not on a listener registered later, cannot miss what came first.
 */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  everyMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
