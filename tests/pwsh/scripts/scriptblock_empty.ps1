# Empty scripts are valid PowerShell: no text, only comments, only a param block.
$empty = [ScriptBlock]::Create('')
"empty: [$empty] runs to [$(& $empty)]"
$comment = [ScriptBlock]::Create('# nothing here')
@(& $comment).Count
$param = [ScriptBlock]::Create('param($a)')
@(& $param 1).Count
