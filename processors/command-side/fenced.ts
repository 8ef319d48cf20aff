/** The producer lost its transactional id to another owner: retrying cannot help. */
export const isFenced = (err: unknown): boolean => {
  const type = (err as { type?: string }).type ?? '';
  return ['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED'].includes(
    type,
  );
};
