/** Set when this command's SSH session hung up (the client went away); see core/main.ts. */
export const sessionHungUp = {value: false}
