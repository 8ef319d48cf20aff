/**
 * Why a group's dead letters must not be re-driven, or undefined when they may. Some groups
 * consume events that are still in the event store: sending them back would append them to the
 * events topic a second time. The CLI and the admin routes refuse with the same words.
 */
export const redriveRefusal = (group: string): string | undefined => {
  if (group === 'projections')
    return 'projection dead letters are events still in the event store: fix the decoder, then rebuild the read models with a replay (re-driving would append them to the events topic again)';
  if (group === 'deadline-watcher' || group === 'tracking-poller')
    return `${group} dead letters are events still in the event store: fix the decoder and restart the processors (the ${group} re-reads its topic on every start; re-driving would append them to the events topic again)`;
  return undefined;
};
