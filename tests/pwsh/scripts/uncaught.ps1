# An uncaught throw ends the script: exit 1 and the error record on stderr.
'before'
throw 'stop here'
'after'
