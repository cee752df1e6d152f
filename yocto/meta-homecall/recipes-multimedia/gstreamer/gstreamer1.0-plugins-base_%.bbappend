# HomeCall's audio is Opus (opusenc/opusdec, off by default here), captured
# and played through ALSA, with a "Waiting for a call" text on the TV (pango).
PACKAGECONFIG:append:homecall-box = " opus alsa pango"
