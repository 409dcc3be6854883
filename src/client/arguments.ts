import { fieldProblem, type FieldKind } from '../protocol/format-command.js';
import { RoomwireError } from './errors.js';

/** What {@link check} can check: a field of a command, a relay mode, a list of client ids. */
type Checked =
  | readonly [kind: FieldKind, value: string]
  | readonly [kind: 'mode', value: number]
  | readonly [kind: 'client-ids', value: readonly number[]];

/**
 * Throws `bad_argument` for an argument the server would refuse or misread, before anything is
 * sent: a mistake in the caller's code is reported where it was made.
 */
export function check(...[kind, value]: Checked): void {
  let problem: string | undefined;
  if (kind === 'mode') {
    if (![0, 1, 2, 3].includes(value)) problem = `mode is 0, 1, 2 or 3, got ${value}`;
  } else if (kind === 'client-ids') {
    if (!value.every((id) => Number.isSafeInteger(id) && id >= 0)) {
      problem = 'client ids are non-negative integers';
    }
  } else {
    problem = fieldProblem(kind, value);
  }
  if (problem !== undefined) throw RoomwireError.client('bad_argument', problem);
}
