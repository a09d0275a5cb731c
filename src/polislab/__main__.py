from polislab.cli import main

main()
