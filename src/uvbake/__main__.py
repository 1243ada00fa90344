from uvbake.cli import main

main()
