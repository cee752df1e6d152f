// The call page's signalling socket, opened as the page starts: a plain
// script at the top of the page, so the socket's handshake runs while the
// browser still reads and starts the page's modules (a fresh phone browser
// spends a tenth of a second there). call-signal.js takes it up as its first
// socket (takeEarlySocket); the box says nothing before the page's hello, so
// nothing can be missed meanwhile. The URL is call-signal.js's signalUrl().
// A plain script, not a module: no import or export here.
(function openEarly() {
  'use strict';
  try {
    const base = location.pathname.replace(/\/r\/[^/]*$/, '');
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    window.homecallEarlySocket = new WebSocket(scheme + '//' + location.host + base + '/signal');
  } catch (err) {
    // call-signal.js opens its own and reports what goes wrong.
  }
})();
