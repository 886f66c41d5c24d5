from release_actions.cli import main

raise SystemExit(main())
