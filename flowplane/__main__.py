from flowplane.cli import main

main()
