// Errors are recognised by type and code, never by their text: JetStream API error codes,
// Temporal's error classes (and the gRPC status under a ServiceError), our own error classes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JetStreamApiError } from '@nats-io/jetstream';
import { ScheduleAlreadyRunning, ServiceError, type Client } from '@temporalio/client';
import { isAlreadyExists, isNotFound, isWrongLastSequence } from '../../store/streams.js';
import { ScheduleCronError, ScheduleExistsError, createSchedule } from '../../client/schedules.js';
import { errorMessage, firstLine } from '../../core/error-message.js';
import { SweepIdError, checkSweepId } from '../../core/sweep-id.js';

const apiError = (err_code: number, description: string, code = 400) => new JetStreamApiError({ code, err_code, description });

test('JetStream errors by code: the description does not matter', () => {
  assert.equal(isNotFound(apiError(10059, 'stream not found', 404)), true);
  assert.equal(isNotFound(apiError(10014, 'consumer not found', 404)), true);
  assert.equal(isNotFound(apiError(10037, 'no message found', 404)), true);
  assert.equal(isNotFound(new Error('stream not found')), false, 'text alone is not the error');
  assert.equal(isNotFound(apiError(10071, 'not found anywhere')), false);
  assert.equal(isAlreadyExists(apiError(10058, 'stream name already in use with a different configuration')), true);
  assert.equal(isAlreadyExists(apiError(10148, 'consumer already exists')), true);
  assert.equal(isAlreadyExists(new Error('consumer already exists')), false);
  assert.equal(isWrongLastSequence(apiError(10071, 'wrong last sequence: 4')), true);
  assert.equal(isWrongLastSequence(apiError(10164, 'wrong last sequence unknown')), true);
  assert.equal(isWrongLastSequence(new Error('wrong last sequence')), false);
});

/** A client whose schedule.create throws `err`. */
const failing = (err: unknown) => ({ schedule: { create: async () => { throw err; } } }) as unknown as Client;
const input = { spec: {} } as never;

test('schedule creation: Temporal\'s errors become ScheduleExistsError / ScheduleCronError by class and gRPC code', async () => {
  await assert.rejects(createSchedule(failing(new ScheduleAlreadyRunning('Schedule already exists and is running', 'n')), 'q', 'n', '@daily', input, 's'),
    (err: unknown) => err instanceof ScheduleExistsError && err.message === 'schedule "n" already exists (delete it first)');
  await assert.rejects(createSchedule(failing(new TypeError('invalid cron string "whenever"')), 'q', 'n', 'whenever', input, 's'),
    (err: unknown) => err instanceof ScheduleCronError && err.message === 'invalid cron string "whenever"');
  const invalid = new ServiceError('Failed to create schedule', { cause: Object.assign(new Error('3 INVALID_ARGUMENT: bad'), { code: 3 }) });
  await assert.rejects(createSchedule(failing(invalid), 'q', 'n', '* *', input, 's'), ScheduleCronError);
  // a message mentioning cron is not a cron error
  const down = new ServiceError('cron service unavailable', { cause: Object.assign(new Error('14 UNAVAILABLE: cron'), { code: 14 }) });
  await assert.rejects(createSchedule(failing(down), 'q', 'n', '@daily', input, 's'), (err: unknown) => err === down);
});

test('one-line error text, and the sweep-id check by its own class', () => {
  assert.equal(firstLine(new Error('first\nsecond')), 'first');
  assert.equal(firstLine('a\nb'), 'a');
  assert.equal(errorMessage(42), '42');
  assert.equal(checkSweepId('nightly-2031-05-05T02:00:00Z'), 'nightly-2031-05-05T02:00:00Z');
  assert.throws(() => checkSweepId('a b'), SweepIdError);
  assert.throws(() => checkSweepId('x'.repeat(201)), SweepIdError);
});
