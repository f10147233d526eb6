// The Settings page's map from a server 400 message to the input it names
// (console/www/pages/settings_fields.js, fieldOf), with the messages the
// origin writes (origin/src/transcode/ladder_settings.cc, app_settings.cc,
// auth/token_settings.cc).  Run: node --test tests/console/
import test from 'node:test';
import assert from 'node:assert/strict';
import {fieldOf, ladderId} from '../../console/www/pages/settings_fields.js';

const KNOWN = ['hlsTime', 'gopSize', 'publishJwtControlEnabled', 'listenerHookURL'];

test('a rendition field names its row and column', () => {
  assert.equal(fieldOf('encoderSettingsString[1].height: must be a positive even number <= 4096', KNOWN),
               ladderId(1, 'height'));
  assert.equal(fieldOf('encoderSettings[0].videoBitrate: must be 1 to 100000000 bit/s (100 Mbit/s)', KNOWN),
               'ladder-0-videoBitrate');
  assert.equal(fieldOf('encoderSettingsString[2].height: 360 is already the height of encoderSettingsString[0]', KNOWN),
               'ladder-2-height');
});

test('the ladder as a whole names the ladder', () => {
  assert.equal(fieldOf('encoderSettingsString: must be a JSON list of {height, ...}', KNOWN), 'ladder');
  assert.equal(fieldOf('encoderSettingsString[3]: must be an object {height, ...}', KNOWN), 'ladder');
  assert.equal(fieldOf('encoderSettings: differs from encoderSettingsString; send one of them', KNOWN), 'ladder');
});

test('a plain key names its input when the page has one', () => {
  assert.equal(fieldOf('hlsTime: must be an integer from 1 to 60 (seconds)', KNOWN),
               'hlsTime');
  assert.equal(fieldOf('publishJwtControlEnabled: must be true or false', KNOWN), 'publishJwtControlEnabled');
  assert.equal(fieldOf('listenerHookURL: must be an http(s):// URL (or empty)', KNOWN),
               'listenerHookURL');
});

test('anything else goes above the form', () => {
  assert.equal(fieldOf('body: must be a JSON object', KNOWN), '');
  assert.equal(fieldOf('settings: 3000 bytes; the store keeps at most 2047', KNOWN), '');
  assert.equal(fieldOf('store unavailable', KNOWN), '');
  assert.equal(fieldOf('', KNOWN), '');
  assert.equal(fieldOf(undefined, KNOWN), '');
});
