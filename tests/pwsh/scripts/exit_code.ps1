# `exit N` inside a script block invoked with & ends the whole script with that code.
$block = {
    'inside'
    exit 3
}
& $block
'not reached'
