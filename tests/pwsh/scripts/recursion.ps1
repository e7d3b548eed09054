# Deep recursion (the JSON reader recurses per nesting level): 90 nested calls run.
function Down
{
    param($n)
    if ($n -le 0)
    {
        return 0
    }
    return (Down ($n - 1)) + 1
}
Down 90
