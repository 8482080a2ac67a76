echo "read by file()"
exit 0
