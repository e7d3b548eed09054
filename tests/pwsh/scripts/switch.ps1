# switch: every matching clause runs, break leaves, default when nothing matched, $_ is the element.
switch -CaseSensitive -Exact ('b')
{
    'a' {
        'is a'
    }
    b {
        'is b'
        break
    }
    'b' {
        'not reached'
    }
    default {
        'other'
    }
}
switch (1, 2, 'B')
{
    1 {
        'one'
    }
    'b' {
        "bee $_"
    }
    default {
        "default $_"
    }
}
