from civwatch.cli import main

main()
