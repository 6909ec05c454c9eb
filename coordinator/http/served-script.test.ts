import { describe, expect, it } from 'vitest';
import { checkInstallerTemplate, fillInstallerDefaults } from './served-script.js';

const script = ['#!/bin/sh', 'set -eu', "DEFAULT_SERVER=''", "DEFAULT_BROKER=''", 'server=${BATON_SERVER:-$DEFAULT_SERVER}', "echo 'DEFAULT_SERVER='''", ''].join('\n');
const defaults = { server: 'http://pi-hub.local:8484', broker: 'mqtt://pi-hub.local:1883' };

describe('fillInstallerDefaults', () => {
  it('fills the two default lines and nothing else', () => {
    expect(fillInstallerDefaults(script, defaults)).toBe(
      ['#!/bin/sh', 'set -eu', "DEFAULT_SERVER='http://pi-hub.local:8484'", "DEFAULT_BROKER='mqtt://pi-hub.local:1883'", 'server=${BATON_SERVER:-$DEFAULT_SERVER}', "echo 'DEFAULT_SERVER='''", ''].join('\n'),
    );
  });

  it('takes a value with $ and & literally', () => {
    // $& and $` mean something to String.replace; they must land in the script as written.
    const filled = fillInstallerDefaults(script, { server: 'http://a$&b', broker: 'mqtt://h$`:1' });
    expect(filled).toContain("DEFAULT_SERVER='http://a$&b'");
    expect(filled).toContain("DEFAULT_BROKER='mqtt://h$`:1'");
  });

  it.each([
    ['a quote', { ...defaults, server: "http://x'; reboot; '" }, /DEFAULT_SERVER .*a quote or a line break/],
    ['a line break', { ...defaults, broker: 'mqtt://x\nreboot' }, /DEFAULT_BROKER .*a quote or a line break/],
  ])('refuses a value with %s', (_what, values, message) => {
    expect(() => fillInstallerDefaults(script, values)).toThrow(message);
  });

  it('refuses a script whose default lines are not there exactly once', () => {
    expect(() => fillInstallerDefaults('#!/bin/sh\n', defaults)).toThrow("the installer holds 0 lines DEFAULT_SERVER='' (expected exactly one)");
  });
});

describe('checkInstallerTemplate', () => {
  it.each([
    [script, undefined],
    ["DEFAULT_SERVER=''\n", "the installer holds 0 lines DEFAULT_BROKER='' (expected exactly one)"],
    ["DEFAULT_SERVER=''\nDEFAULT_SERVER=''\nDEFAULT_BROKER=''\n", "the installer holds 2 lines DEFAULT_SERVER='' (expected exactly one)"],
    // Indented or already filled is not the line the contract names.
    ["  DEFAULT_SERVER=''\nDEFAULT_BROKER=''\n", "the installer holds 0 lines DEFAULT_SERVER='' (expected exactly one)"],
    ["DEFAULT_SERVER='http://x'\nDEFAULT_BROKER=''\n", "the installer holds 0 lines DEFAULT_SERVER='' (expected exactly one)"],
  ])('%j -> %j', (text, problem) => {
    expect(checkInstallerTemplate(text)).toBe(problem);
  });
});
