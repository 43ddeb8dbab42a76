/** Job ids are bigints: anything else names no job (and must not reach a bigint parameter). */
export function isJobId(id: string): boolean {
  return /^\d{1,18}$/.test(id);
}
